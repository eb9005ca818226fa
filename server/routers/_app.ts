/**
 * The app router: one router per domain. The client imports only `type AppRouter`;
 * `createCaller` serves server components and tests.
 */
import { createCallerFactory, router } from '../trpc';
import { graphRouter } from './graph';
import { imagesRouter } from './images';
import { modelsRouter } from './models';
import { presetsRouter } from './presets';
import { queueRouter } from './queue';
import { runRouter } from './run';
import { tensorRouter } from './tensor';

export const appRouter = router({
  graph: graphRouter,
  run: runRouter,
  queue: queueRouter,
  tensor: tensorRouter,
  presets: presetsRouter,
  models: modelsRouter,
  images: imagesRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
