import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BulletinRenderer } from '../../../src/bulletins/render.js';
import { ErrorCode, VentanillaError } from '../../../src/errors.js';
import { copyOfTemplates } from '../../support/template-copy.js';

// An operator edits templates/<locale>/bulletin*.hbs and the partials/bulletin-*.hbs. A broken one must say
// which file is broken and how to check the fix, in a coded error the CLI prints as one line (not a stack).

const variant = { title: 'Reforma del IVA', markdown: 'Texto.\n' };
const ctx = { listName: 'Boletín fiscal', countries: ['MX'] };

function errorOf(render: () => unknown): VentanillaError {
  try {
    render();
  } catch (error) {
    expect(error).toBeInstanceOf(VentanillaError);
    return error as VentanillaError;
  }
  throw new Error('rendered without an error');
}

describe('a broken bulletin template', () => {
  it('names the file and the preview that checks the fix', () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'es', 'bulletin.text.hbs'), '{{#if title}}\n{{title}}\n');
    const error = errorOf(() => new BulletinRenderer(dir).renderBulletin(variant, 'es', ctx));
    expect(error.code).toBe(ErrorCode.TEMPLATE_INVALID);
    expect(error.message).toMatch(/^Cannot render mail template .*es[\\/]bulletin\.text\.hbs: Parse error/);
    expect(error.message).toMatch(/\nFix the file, then check it with `ventanilla bulletin preview <file-or-id> --locale es`\.$/);
  });

  it('a broken partial: the mail’s template, the partial, and the HTML preview', () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'partials', 'bulletin-footer.html.hbs'), '{{#each}}');
    const error = errorOf(() => new BulletinRenderer(dir).renderBulletin(variant, 'pt', ctx));
    expect(error.code).toBe(ErrorCode.TEMPLATE_INVALID);
    expect(error.message).toMatch(/^Cannot render mail template .*pt[\\/]bulletin\.html\.hbs: partial .*partials[\\/]bulletin-footer\.html\.hbs/);
    expect(error.message).toContain('`ventanilla bulletin preview <file-or-id> --locale pt --html`');
  });

  it('the confirmation mail: the file, and no preview command that would not render it', () => {
    const dir = copyOfTemplates();
    writeFileSync(join(dir, 'en', 'bulletin_confirm.subject.hbs'), '{{/if}}');
    const error = errorOf(() =>
      new BulletinRenderer(dir).renderConfirmation('en', { listName: 'Tax bulletin', countries: ['US'], email: 'bob@corp.us', confirmUrl: 'https://x.test/c', days: 7 }),
    );
    expect(error.code).toBe(ErrorCode.TEMPLATE_INVALID);
    expect(error.message).toMatch(/^Cannot render mail template .*en[\\/]bulletin_confirm\.subject\.hbs: /);
    expect(error.message).toMatch(/\nFix the file\.$/);
  });
});
