// Reads jest --json reports and prints the plain result lines CI shows.
//   node scripts/jest-summary.mjs line LABEL REPORT   → "LABEL: N passed, N failed"
//   node scripts/jest-summary.mjs total REPORT...     → "N passed, N failed" over all
// A missing or unreadable report counts as one failure: that run died before
// its tests. Suites that failed to run (a syntax error, a throwing setup file)
// count as failures too. Exits 1 when anything failed, or when the total
// counted no passing test at all.
import { existsSync, readFileSync } from 'node:fs';

function count(file) {
  if (!existsSync(file)) {
    console.error(`no test report at ${file}: that run failed before its tests`);
    return { passed: 0, failed: 1 };
  }
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    return { passed: r.numPassedTests, failed: r.numFailedTests + (r.numRuntimeErrorTestSuites || 0) };
  } catch (error) {
    console.error(`unreadable test report at ${file}: ${error.message}`);
    return { passed: 0, failed: 1 };
  }
}

const [mode, ...args] = process.argv.slice(2);
let result;
if (mode === 'line' && args.length === 2) {
  result = count(args[1]);
  console.log(`${args[0]}: ${result.passed} passed, ${result.failed} failed`);
} else if (mode === 'total') {
  result = { passed: 0, failed: 0 };
  for (const file of args) {
    const one = count(file);
    result.passed += one.passed;
    result.failed += one.failed;
  }
  console.log(`${result.passed} passed, ${result.failed} failed`);
  if (result.passed === 0) {
    console.error('no test passed at all: the runs did not run the suite');
    result.failed = Math.max(result.failed, 1);
  }
} else {
  console.error('usage: jest-summary.mjs line LABEL REPORT | total REPORT...');
  process.exit(2);
}
process.exitCode = result.failed > 0 ? 1 : 0;
