import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLES_DIR, demoDataset, samplePath } from './datasets.js';
import { odsqlYearIn } from './portal.js';
import { chooseDatasetSource } from './sources.js';

const SAMPLES = process.env.SEAWALL_SAMPLES_DIR ?? DEFAULT_SAMPLES_DIR;

describe('choosing where a demo dataset comes from', () => {
  let portal: Server;
  let portalUrl: string;
  const empty = mkdtempSync(join(tmpdir(), 'no-samples-'));

  beforeAll(async () => {
    portal = createServer((req, res) => {
      const ok = req.url?.startsWith('/api/explore/v2.1/catalog/datasets');
      res
        .writeHead(ok ? 200 : 404, { 'content-type': 'application/json' })
        .end('{"total_count":0,"results":[]}');
    });
    await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
    portalUrl = `http://127.0.0.1:${(portal.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    rmSync(empty, { recursive: true });
    await new Promise((resolve) => portal.close(resolve));
  });

  it('takes the local sample first, then the portal when it answers, then the generator', async () => {
    const dataset = demoDataset('lost_animals');
    expect(await chooseDatasetSource(dataset, { samplesDir: SAMPLES, portalUrl })).toEqual({
      kind: 'local',
      path: samplePath(dataset, SAMPLES),
    });
    expect(await chooseDatasetSource(dataset, { samplesDir: empty, portalUrl })).toEqual({
      kind: 'portal',
      portalUrl,
      datasetId: 'animal-control-inventory-lost-and-found',
      where: 'year(`date`) = 2023 or year(`date`) = 2024',
      timezone: 'America/Vancouver',
    });
    expect(
      await chooseDatasetSource(dataset, { samplesDir: empty, portalUrl: `${portalUrl}/elsewhere` }),
    ).toEqual({
      kind: 'synthetic',
    });
    expect(await chooseDatasetSource(dataset, { samplesDir: null, portalUrl: null })).toEqual({
      kind: 'synthetic',
    });
  });

  it('writes year filters in ODSQL with back-quoted field names', () => {
    expect(odsqlYearIn('service_request_open_timestamp', [2024])).toBe(
      'year(`service_request_open_timestamp`) = 2024',
    );
    expect(() => odsqlYearIn('date', [])).toThrow();
    expect(() => odsqlYearIn('date', [2023.5])).toThrow();
  });
});
