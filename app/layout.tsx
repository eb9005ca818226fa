import type { ReactNode } from 'react';
import { THEME_BOOT_SCRIPT } from './editor/themeBoot';
import './globals.css';
import { Providers } from './providers';

export const metadata = {
  title: 'SPGD Studio',
  description: 'Node-graph editor for diffusion-based image restoration',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // The theme attribute is set before hydration by the boot script.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_BOOT_SCRIPT }} />
      </head>
      <body className="h-full overflow-hidden bg-ink-950 text-ink-200 antialiased">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
