import { Editor } from './editor/Editor';

// Rendered per request: its inline scripts carry the nonce of that response's Content-Security-Policy.
export const dynamic = 'force-dynamic';

/** The editor, full-screen. It opens the server's default preset, ready to run. */
export default function Home() {
  return <Editor />;
}
