import { configFrom } from '../config.js';
import { dataDirLayout, PROFILE } from '../data-dir.js';
import type { Command } from './commands.js';

// The server is imported when a command runs, never for its help or its flags (about a second of imports).
const server = () => import('../main.js');

const common = {
  'data-dir': { type: 'string' },
  region: { type: 'string' },
  'metadata-url': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

export const initCommand: Command = {
  usage: 'seawall init --data-dir DIR [--region ca-west-1] [--metadata-url postgres://…]',
  options: common,
  async run({ values }, io) {
    const config = configFrom(values, io.env);
    const credentials = await (await server()).initDataDir(config);
    const layout = dataDirLayout(config.dataDir);
    io.out(`data directory: ${config.dataDir}`);
    io.out(`account: ${credentials.accountId}, region: ${credentials.region}`);
    io.out(`credentials: ${layout.credentials} (profile ${PROFILE}); config: ${layout.awsConfig}`);
    return 0;
  },
};

export const serveCommand: Command = {
  usage:
    'seawall serve --data-dir DIR [--port 9000] [--host 127.0.0.1] [--tls-cert FILE --tls-key FILE] [--accept-lost-database NAME]...',
  options: {
    ...common,
    port: { type: 'string' },
    host: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'accept-lost-database': { type: 'string', multiple: true },
  },
  async run({ values }, io) {
    const config = configFrom(values, io.env);
    const seawall = await (await server()).startSeawall(config, { enginesAhead: true });
    io.err(
      `seawall: serving on ${seawall.url} (credentials: ${dataDirLayout(config.dataDir).credentials}, profile ${PROFILE})`,
    );
    const signal = await io.stopSignal;
    seawall.logger.info({ signal }, 'shutting down');
    await seawall.close();
    return 0;
  },
};
