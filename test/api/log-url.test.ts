import { describe, expect, it } from 'vitest';
import { loggedUrl } from '../../src/api/log-url';

describe('the URL in a log line', () => {
  it.each([
    ['/api/v1/health?device=srv1', '/api/v1/health?device=srv1'],
    ['/?token=s3cret', '/?token=***'],
    ['/?%74oken=s3cret', '/?token=***'],
    ['/?TOKEN=s3cret&x=1', '/?TOKEN=***&x=1'],
    ['/?token=a&token=b', '/?token=***'],
    ['/dashboard/main.js?token=s%20cret', '/dashboard/main.js?token=***'],
  ])('%s → %s', (url, logged) => {
    expect(loggedUrl({ originalUrl: url })).toBe(logged);
  });
});
