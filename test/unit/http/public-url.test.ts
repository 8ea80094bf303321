import { describe, expect, it } from 'vitest';
import { publicUrlOf, publicUrlProblem } from '../../../src/http/public-url.js';

describe('the base of links in mail', () => {
  it('is PUBLIC_URL without its trailing slash, else the local server', () => {
    expect(publicUrlOf({ PUBLIC_URL: 'https://soporte.example.com/', HTTP_PORT: 3000 })).toBe('https://soporte.example.com');
    expect(publicUrlOf({ HTTP_PORT: 3000 })).toBe('http://localhost:3000');
  });
  it('is questioned when it names this machine or is not https', () => {
    for (const url of ['http://localhost:3000', 'https://127.0.0.1', 'http://app.localhost']) expect(publicUrlProblem(url), url).toMatch(/names this machine/);
    expect(publicUrlProblem('http://soporte.example.com')).toMatch(/not https/);
    expect(publicUrlProblem('https://soporte.example.com/base')).toBeNull();
  });
});
