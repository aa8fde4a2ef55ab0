import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('takes flags over the environment and fills defaults', () => {
    const config = loadConfig(
      { dataDir: '/d', port: '9100' },
      { SEAWALL_PORT: '1', SEAWALL_HOST: '0.0.0.0' },
    );
    expect(config).toMatchObject({
      dataDir: '/d',
      port: 9100,
      host: '0.0.0.0',
      region: 'ca-west-1',
      logLevel: 'info',
    });
  });

  it('reports every problem at once, named by its flag', () => {
    expect(() => loadConfig({ port: '70000', region: 'Canada', metadataUrl: 'mysql://x' }, {})).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ port: 'x', region: 'Canada' }, {})).toThrow(/--data-dir.*--port.*--region/);
  });
});
