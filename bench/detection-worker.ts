// A worker process of the detection benchmark: runs the seeded releases of the jobs it is sent
// (bench/detection.ts), so that the runs use every core.
import { runJob, type DetectionJob } from './detection.js';

process.on('message', (job: DetectionJob) => {
  void runJob(job).then((results) => process.send!(results));
});
