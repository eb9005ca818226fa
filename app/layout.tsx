import { headers } from 'next/headers';
import type { ReactNode } from 'react';
import { THEME_BOOT_SCRIPT } from './editor/themeBoot';
import './globals.css';
import { Providers } from './providers';

export const metadata = {
  title: 'SPGD Studio',
  description: 'Node-graph editor for diffusion-based image restoration',
};

/** The nonce of this response's Content-Security-Policy, which the HTTP gate puts on the request (server/http/gate.ts). */
async function cspNonce(): Promise<string | undefined> {
  return /'nonce-([^']+)'/.exec((await headers()).get('content-security-policy') ?? '')?.[1];
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  const nonce = await cspNonce();
  return (
    // The theme attribute is set before hydration by the boot script.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: THEME_BOOT_SCRIPT }} />
      </head>
      <body className="h-full overflow-hidden bg-ink-950 text-ink-200 antialiased">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
