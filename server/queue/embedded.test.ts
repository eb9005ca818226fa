import { testServer } from '../testing';
import { runQueueSuite } from './run-queue.suite';

runQueueSuite('embedded', () => testServer());
