import type { ReactNode } from 'react';
import './globals.css';
import { Providers } from './providers';

export const metadata = {
  title: 'SPGD Studio',
  description: 'Node-graph editor for diffusion-based image restoration',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="h-full overflow-hidden bg-ink-950 text-ink-200 antialiased">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
