// A worker thread of the all-cores DH microbenchmark (micro.ts): the one-core loop, reporting
// its count.
import { parentPort, workerData } from 'node:worker_threads';
import { reusedDhAssociate, timeLoop } from './micro.js';

const { seconds } = workerData as { seconds: number };
const op = reusedDhAssociate();
op();
parentPort!.postMessage(timeLoop(seconds, op));
