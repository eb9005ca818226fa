import { Editor } from './editor/Editor';

/** The editor, full-screen. It opens the server's default preset, ready to run. */
export default function Home() {
  return <Editor />;
}
