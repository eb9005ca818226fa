import { runQueueSuite } from '../../server/queue/run-queue.suite';
import { bullTestServer } from './support';

// The shared RunQueue contract on BullMQ with a real Redis; the worker runs inside the server process.
runQueueSuite('BullMQ on Redis', () => bullTestServer(undefined, { SPGD_LOCAL_WORKER: '1' }));
