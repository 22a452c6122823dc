/**
 * Added to the run only when WARD_TESTS_WITHOUT_TIMESCALEDB=1: says at the start and again at the
 * end that the timescaledb-mode suite did not run, so such a run never reads as complete.
 */
const NOTICE = '\n*** The timescaledb-mode suite did NOT run (WARD_TESTS_WITHOUT_TIMESCALEDB=1): only native storage was tested. ***\n\n';

export default function setup(): () => void {
  process.stderr.write(NOTICE);
  return () => void process.stderr.write(NOTICE);
}
