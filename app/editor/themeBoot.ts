/**
 * The stored theme, applied in <head> before the page paints (app/layout.tsx, a server
 * component: this module has no client code), so a light page never flashes dark.
 */
export const THEME_KEY = 'spgd-theme';

export const THEME_BOOT_SCRIPT = `try{var t=localStorage.getItem('${THEME_KEY}');if(t==='light')document.documentElement.dataset.theme='light'}catch(e){}`;
