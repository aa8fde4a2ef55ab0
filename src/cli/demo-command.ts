import { configFrom } from '../config.js';
import { dataDirLayout, PROFILE } from '../data-dir.js';
import type { PersonaOutcome } from '../demo/persona-setup.js';
import { createLogger } from '../lib/logger.js';
import type { Command } from './commands.js';
import { refuseIfRunning } from './preflight.js';

/** `seawall demo`: init + serve + the Vancouver datasets loaded, crawled, cleaned and queryable. */
export const demoCommand: Command = {
  usage:
    'seawall demo --data-dir DIR [--port 9000] [--host 127.0.0.1] [--source DIR] [--offline] [--accept-lost-database NAME]...',
  options: {
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    region: { type: 'string' },
    'log-level': { type: 'string' },
    'metadata-url': { type: 'string' },
    source: { type: 'string' },
    offline: { type: 'boolean' },
    'accept-lost-database': { type: 'string', multiple: true },
  },
  async run({ values }, io) {
    const config = configFrom(values, io.env);
    const layout = dataDirLayout(config.dataDir);
    // Before init touches anything: a second demo on the same directory says at once who runs it.
    await refuseIfRunning(config.dataDir);
    // The server and the demo's modules are imported when it runs, never for its help or its flags.
    const [
      { initDataDir, startSeawall },
      { ensureAuditTrail },
      { DEFAULT_SAMPLES_DIR },
      { ensurePersonas, personaFiles, personaGuide },
      { ADMIN_USER },
      { loadVancouverDemo },
      { AUDIT_BUCKET },
    ] = await Promise.all([
      import('../main.js'),
      import('../demo/audit-setup.js'),
      import('../demo/datasets.js'),
      import('../demo/persona-setup.js'),
      import('../demo/personas.js'),
      import('../demo/pipeline.js'),
      import('../demo/zones.js'),
    ]);
    const credentials = await initDataDir(config);
    const seawall = await startSeawall(config, {
      logger: createLogger(config.logLevel, { file: layout.log }),
      enginesAhead: true,
    });
    io.out(`Seawall is serving every API on ${seawall.url}`);
    io.out(`  console:     ${seawall.url}/_seawall/console/`);
    io.out(
      `  credentials: ${layout.credentials} (profile ${PROFILE}), region ${credentials.region}; logs: ${layout.log}`,
    );
    const target = {
      endpoint: seawall.url,
      region: credentials.region,
      credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    };
    const files = personaFiles(config.dataDir);
    let personas: PersonaOutcome[] = [];
    try {
      personas = await ensurePersonas(target, files);
    } catch (error) {
      io.err(`seawall demo: creating the personas failed: ${(error as Error).message.split('\n')[0]}`);
    }
    try {
      const trail = await ensureAuditTrail(
        { ...target, accountId: seawall.accountId },
        `arn:aws:iam::${seawall.accountId}:user/${ADMIN_USER}`,
      );
      io.out(`  audit trail: ${trail} → s3://${AUDIT_BUCKET}/ (Object Lock, signed digests)`);
    } catch (error) {
      io.err(`seawall demo: setting up the audit trail failed: ${(error as Error).message.split('\n')[0]}`);
    }
    io.out('Loading the City of Vancouver datasets (2023 and 2024)…');
    const samplesDir =
      typeof values.source === 'string' ? values.source : (io.env.SEAWALL_SAMPLES_DIR ?? DEFAULT_SAMPLES_DIR);
    try {
      const started = Date.now();
      await loadVancouverDemo(target, {
        samplesDir,
        ...(values.offline ? { portalUrl: null } : {}),
        progress: (line) => io.out(`  ${line}`),
      });
      io.out(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Try:`);
      io.out(
        `  node bin/seawall.js query "SELECT status, count(*) AS tickets FROM vancouver.parking_tickets GROUP BY status ORDER BY tickets DESC" --data-dir ${config.dataDir}`,
      );
      io.out(`  open ${seawall.url}/_seawall/console/ and sign in with the keys in ${layout.credentials}`);
      for (const line of personas.length > 0 ? personaGuide(personas, seawall.url, files) : []) io.out(line);
    } catch (error) {
      io.err(
        `seawall demo: loading the datasets failed: ${(error as Error).message.split('\n')[0]}; still serving (see ${layout.log})`,
      );
    }
    const signal = await io.stopSignal;
    seawall.logger.info({ signal }, 'shutting down');
    await seawall.close();
    return 0;
  },
};
