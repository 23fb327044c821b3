import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// docs/testing.md quotes the runnable examples; they must not drift apart.
const root = resolve(__dirname, '..');

describe('docs/testing.md', () => {
  const page = readFileSync(join(root, 'docs', 'testing.md'), 'utf8');
  const examples = readdirSync(join(root, 'docs', 'examples')).filter((f) => f.endsWith('.spec.ts'));

  it('should have examples to quote', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples)('should quote docs/examples/%s exactly', (file) => {
    const source = readFileSync(join(root, 'docs', 'examples', file), 'utf8').trimEnd();
    expect(page).toContain(`\`docs/examples/${file}\`:\n\n\`\`\`ts\n${source}\n\`\`\``);
  });
});
