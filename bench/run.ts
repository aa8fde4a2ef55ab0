import { analyticsBench } from './analytics.js';
import { auditBench } from './audit.js';
import { backupBench } from './backup.js';
import { iamBench } from './iam.js';
import { kmsBench } from './kms.js';
import { largeObjectBench } from './large-object.js';
import { monitorBench } from './monitor.js';
import { queryBench } from './query.js';
import { replicationBench } from './replication.js';
import { scaleBench } from './scale.js';
import { soakBench } from './soak.js';
import { storageBench } from './storage.js';

/** `npm run bench [-- name…]`: each bench prints its figures as ratios against a baseline run alongside. */
const benches: Record<string, () => Promise<void>> = {
  storage: storageBench,
  analytics: analyticsBench,
  iam: iamBench,
  query: queryBench,
  large: largeObjectBench,
  scale: scaleBench,
  kms: kmsBench,
  audit: auditBench,
  monitor: monitorBench,
  backup: backupBench,
  soak: soakBench,
  replication: replicationBench,
};

const names = process.argv.slice(2);
for (const name of names.length > 0 ? names : ['storage']) {
  const bench = benches[name];
  if (!bench) {
    console.error(`unknown bench '${name}'; available: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  await bench();
}
