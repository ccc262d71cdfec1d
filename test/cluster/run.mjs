// Entry of `npm run test:cluster`: kept out of dist/test/ so that `npm test` (which needs no
// root and no Slurm) does not run it. It runs the compiled suite of test/cluster/cluster.ts.
import { clusterTests } from '../../dist/test/cluster/cluster.js';

clusterTests();
