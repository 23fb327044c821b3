// Prepares the end-to-end run: packs cohere-rx as npm would publish it, installs
// that tarball into both examples and their relay (examples/relay, the Node
// server they talk to) as a user would, and builds the apps: the page with
// esbuild, the Angular app with the Angular CLI. Installs Debian's
// chromium first when /usr/bin/chromium is missing (as root, as CI runs).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = (cmd, args, cwd) => {
  const started = Date.now();
  execFileSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NG_CLI_ANALYTICS: 'false', DEBIAN_FRONTEND: 'noninteractive' },
  });
  console.log(`  ${[cmd, ...args].join(' ')} (${cwd.slice(root.length) || '.'}): ${((Date.now() - started) / 1000).toFixed(1)} s`);
};

// Browsers cannot be downloaded here (no `playwright install`): Debian's Chromium it is.
if (!existsSync('/usr/bin/chromium')) {
  if (process.getuid?.() !== 0) {
    console.error('e2e: /usr/bin/chromium is missing. Install it with: sudo apt-get install -y chromium');
    process.exit(1);
  }
  console.log("e2e: installing Debian's chromium");
  run('apt-get', ['update', '-qq'], root);
  run('apt-get', ['install', '-y', '-qq', 'chromium'], root);
}

const pack = join(root, '.pack');
rmSync(pack, { recursive: true, force: true });
mkdirSync(pack);
run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', pack], root);
const tarball = readdirSync(pack).find((f) => f.endsWith('.tgz'));
renameSync(join(pack, tarball), join(pack, 'cohere-rx.tgz'));

for (const example of ['relay', 'browser', 'angular']) {
  const dir = join(root, 'examples', example);
  rmSync(join(dir, 'node_modules', 'cohere-rx'), { recursive: true, force: true }); // always the fresh tarball
  rmSync(join(dir, '.angular'), { recursive: true, force: true });
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock'], dir);
}
run(process.execPath, ['build.mjs'], join(root, 'examples', 'browser'));
run(process.execPath, [join('node_modules', '@angular', 'cli', 'bin', 'ng.js'), 'build'], join(root, 'examples', 'angular'));
