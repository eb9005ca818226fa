/**
 * Test-only route: the editor opened on a fixture graph from e2e/fixtures/ (house rule 15).
 * It exists only when the server runs with SPGD_TEST_ROUTES=1 (the Playwright web server).
 */
import { notFound } from 'next/navigation';
import { migrateDocument } from '../../../lib/graph/migrate';
import { getNodeDefinition } from '../../../nodes';
import gaussianFast from '../../../e2e/fixtures/gaussian-fast.json';
import slow from '../../../e2e/fixtures/slow.json';
import browserBench from '../../../e2e/fixtures/browser-bench.json';
import browserPrior from '../../../e2e/fixtures/browser-prior.json';
import browserTiny from '../../../e2e/fixtures/browser-tiny.json';
import { Editor } from '../../editor/Editor';

const empty = { format: 'spgd-studio.graph', schemaVersion: 1, name: 'e2e: empty', nodes: {}, edges: [] };
const FIXTURES: Record<string, unknown> = {
  empty,
  'gaussian-fast': gaussianFast,
  slow,
  'browser-prior': browserPrior,
  'browser-tiny': browserTiny,
  'browser-bench': browserBench,
};

export const dynamic = 'force-dynamic';

export default async function FixturePage({ params }: { params: Promise<{ fixture: string }> }) {
  if (process.env.SPGD_TEST_ROUTES !== '1') notFound();
  const { fixture } = await params;
  const raw = FIXTURES[fixture];
  if (!raw) notFound();
  return <Editor initialDocument={migrateDocument(raw, getNodeDefinition)} />;
}
