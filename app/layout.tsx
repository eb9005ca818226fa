import type { ReactNode } from 'react';

export const metadata = {
  title: 'SPGD Studio',
  description: 'Node-graph editor for diffusion-based image restoration',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
