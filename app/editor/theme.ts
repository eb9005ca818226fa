'use client';
/**
 * The colour theme (dark, the default, or light): a `data-theme` attribute on <html> that swaps
 * the palette in globals.css, remembered in localStorage. A script in the page head applies the
 * stored choice before the first paint (app/layout.tsx), so a light page never flashes dark.
 */
import { create } from 'zustand';
import { THEME_KEY } from './themeBoot';

export type Theme = 'dark' | 'light';

const useThemeStore = create<{ theme: Theme; set: (t: Theme) => void }>()((set) => ({
  // What the server renders; `syncTheme` takes the page's own after hydration.
  theme: 'dark',
  set: (theme) => {
    document.documentElement.dataset.theme = theme;
    try {
      localStorage.setItem(THEME_KEY, theme);
    } catch {
      // not remembered; the page still switches
    }
    set({ theme });
  },
}));

export function useTheme(): Theme {
  return useThemeStore((s) => s.theme);
}

/** Takes the theme the boot script put on <html> (call once after hydration). */
export function syncTheme(): void {
  if (document.documentElement.dataset.theme === 'light') useThemeStore.setState({ theme: 'light' });
}

export function toggleTheme(): void {
  const s = useThemeStore.getState();
  s.set(s.theme === 'dark' ? 'light' : 'dark');
}
