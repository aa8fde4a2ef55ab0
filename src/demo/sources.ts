import { access } from 'node:fs/promises';
import {
  DEFAULT_SAMPLES_DIR,
  DEMO_YEARS,
  type DemoDataset,
  portalWhere,
  samplePath,
  VANCOUVER_PORTAL_URL,
  VANCOUVER_TIMEZONE,
} from './datasets.js';
import { isPortalReachable } from './portal.js';

/** Where the demo takes a dataset from: the first of these that has it. */
export type DatasetSource =
  | { readonly kind: 'local'; readonly path: string }
  | {
      readonly kind: 'portal';
      readonly portalUrl: string;
      readonly datasetId: string;
      readonly where: string;
      readonly timezone: string;
    }
  | { readonly kind: 'synthetic' };

export interface SourceChoice {
  /** The samples directory; `null` skips local files. Default DEFAULT_SAMPLES_DIR (../shared beside the project). */
  samplesDir?: string | null;
  /** The portal; `null` skips it (offline). Default opendata.vancouver.ca. */
  portalUrl?: string | null;
  years?: readonly number[];
  /** How long the portal may take to answer the reachability probe. Default 3 s. */
  timeoutMs?: number;
}

async function readable(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Picks a dataset's source: the real sample on this machine, else the city's portal when it answers, else
 * the synthetic generator. The portal is probed only when no sample is found.
 */
export async function chooseDatasetSource(
  dataset: DemoDataset,
  choice: SourceChoice = {},
): Promise<DatasetSource> {
  const samplesDir = choice.samplesDir === undefined ? DEFAULT_SAMPLES_DIR : choice.samplesDir;
  if (samplesDir !== null) {
    const path = samplePath(dataset, samplesDir);
    if (await readable(path)) return { kind: 'local', path };
  }
  const portalUrl = choice.portalUrl === undefined ? VANCOUVER_PORTAL_URL : choice.portalUrl;
  if (portalUrl !== null && (await isPortalReachable(portalUrl, choice.timeoutMs ?? 3000))) {
    return {
      kind: 'portal',
      portalUrl,
      datasetId: dataset.portalDatasetId,
      where: portalWhere(dataset, choice.years ?? DEMO_YEARS),
      timezone: VANCOUVER_TIMEZONE,
    };
  }
  return { kind: 'synthetic' };
}
