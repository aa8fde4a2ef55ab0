import { CloudTrailClient, DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import { S3Client } from '@aws-sdk/client-s3';
import { useEffect, useState } from 'react';
// The same checks, with the same words, as `seawall audit verify`: one module, run here in the browser.
import { describeFindings, verifyTrailBucket } from '../../../src/audit/audit-verify.js';
import { s3TrailBucket, trailPublicKeys } from '../../../src/audit/trail-reader.js';
import type { ClientConfig } from '../aws/clients.js';
import { type Failure, failureOf } from '../aws/denial.js';
import '../styles/events.css';

interface TrailChoice {
  name: string;
  bucket: string;
  prefix: string | undefined;
  validation: boolean;
}

/** One line of the check: what kind of file, which, and what was found. */
interface FindingLine {
  kind: string;
  url: string;
  status: string;
  ok: boolean;
}

type Check =
  | { status: 'idle' }
  | { status: 'checking' }
  | { status: 'done'; lines: FindingLine[]; summary: string; ok: boolean }
  | ({ status: 'failed' } & Failure);

type Trails =
  | { status: 'loading' }
  | { status: 'loaded'; trails: TrailChoice[] }
  | ({ status: 'failed' } & Failure);

/** A `datetime-local` value as a time, or undefined when empty. */
function timeOf(value: string): number | undefined {
  if (value === '') return undefined;
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? undefined : time;
}

/**
 * Log file integrity: checks a trail's signed digests and every log file they list, as `seawall audit verify`
 * and `aws cloudtrail validate-logs` do, reading the trail's bucket through S3 with the signed-in principal's
 * keys, and says which log file was modified, deleted or inserted and which digest is missing.
 */
export function TrailVerifyView({ config }: { config: ClientConfig }) {
  const [trails, setTrails] = useState<Trails>({ status: 'loading' });
  const [chosen, setChosen] = useState('');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [showValid, setShowValid] = useState(false);
  const [check, setCheck] = useState<Check>({ status: 'idle' });
  /** How many checks have been started: the page (and a test) tells a new answer from the last by it. */
  const [runs, setRuns] = useState(0);
  const secure = typeof crypto !== 'undefined' && crypto.subtle !== undefined;

  useEffect(() => {
    const cloudtrail = new CloudTrailClient(config);
    let live = true;
    cloudtrail.send(new DescribeTrailsCommand({})).then(
      ({ trailList }) => {
        if (!live) return;
        const found = (trailList ?? []).map((t) => ({
          name: t.Name ?? '',
          bucket: t.S3BucketName ?? '',
          prefix: t.S3KeyPrefix,
          validation: t.LogFileValidationEnabled === true,
        }));
        setTrails({ status: 'loaded', trails: found });
        setChosen((current) => current || (found.find((t) => t.validation) ?? found[0])?.name || '');
      },
      (error: unknown) => live && setTrails({ status: 'failed', ...failureOf(error) }),
    );
    return () => {
      live = false;
      cloudtrail.destroy();
    };
  }, [config]);

  async function verify(trail: TrailChoice) {
    setRuns((n) => n + 1);
    setCheck({ status: 'checking' });
    const cloudtrail = new CloudTrailClient(config);
    // Never the browser's cache: a check must read the bucket as it is now, not as the last check read it.
    const s3 = new S3Client({ ...config, forcePathStyle: true, requestHandler: { cache: 'no-store' } });
    try {
      const range = {
        ...(timeOf(start) !== undefined ? { start: timeOf(start) } : {}),
        ...(timeOf(end) !== undefined ? { end: timeOf(end) } : {}),
      };
      const keys = await trailPublicKeys(cloudtrail, range);
      const findings = await verifyTrailBucket(s3TrailBucket(s3, trail.bucket), keys, {
        bucket: trail.bucket,
        ...(trail.prefix ? { prefix: trail.prefix } : {}),
        ...range,
      });
      const { lines, ok } = describeFindings(trail.bucket, findings);
      const summary = lines.pop() ?? '';
      setCheck({
        status: 'done',
        summary,
        ok,
        lines: lines.map((line) => {
          const [kind = '', url = '', status = ''] = line.split('\t');
          return { kind, url, status, ok: status === 'valid' };
        }),
      });
    } catch (error) {
      setCheck({ status: 'failed', ...failureOf(error) });
    } finally {
      cloudtrail.destroy();
      s3.destroy();
    }
  }

  const trail = trails.status === 'loaded' ? trails.trails.find((t) => t.name === chosen) : undefined;
  const shown = check.status === 'done' ? check.lines.filter((l) => showValid || !l.ok) : [];
  return (
    <section
      className="card"
      aria-labelledby="verify-title"
      aria-busy={trails.status === 'loading' || check.status === 'checking'}
      data-testid="trail-verify"
      data-state={check.status}
      data-run={runs}
    >
      <div className="panel-head">
        <h2 id="verify-title">Log file integrity</h2>
        <span className="muted">A trail's signed digests and the log files they list</span>
      </div>
      {!secure && (
        <p className="error" role="alert">
          Checking signatures needs the browser's cryptography, which it offers only on a secure origin
          (HTTPS, or this machine).
        </p>
      )}
      {trails.status === 'loading' && <p className="muted">Loading trails…</p>}
      {trails.status === 'failed' && (
        <p
          className={trails.denied ? 'error denied' : 'error'}
          role="alert"
          data-testid="verify-trails-error"
        >
          {trails.message}
        </p>
      )}
      {trails.status === 'loaded' && trails.trails.length === 0 && (
        <p className="muted empty">There are no trails: create one with CreateTrail to deliver log files.</p>
      )}
      {trails.status === 'loaded' && trails.trails.length > 0 && (
        <form
          className="event-filters"
          aria-label="Verify a trail"
          onSubmit={(event) => {
            event.preventDefault();
            if (trail && secure) void verify(trail);
          }}
        >
          <label>
            Trail
            <select value={chosen} onChange={(e) => setChosen(e.target.value)} data-testid="verify-trail">
              {trails.trails.map((t) => (
                <option key={t.name} value={t.name}>
                  {`${t.name} (s3://${t.bucket}${t.prefix ? `/${t.prefix}` : ''})`}
                </option>
              ))}
            </select>
          </label>
          <label>
            Digests from
            <input
              type="datetime-local"
              step={1}
              value={start}
              onChange={(e) => setStart(e.target.value)}
              data-testid="verify-start"
            />
          </label>
          <label>
            to
            <input
              type="datetime-local"
              step={1}
              value={end}
              onChange={(e) => setEnd(e.target.value)}
              data-testid="verify-end"
            />
          </label>
          <label className="checkbox-label">
            <input
              type="checkbox"
              checked={showValid}
              onChange={(e) => setShowValid(e.target.checked)}
              data-testid="verify-show-valid"
            />
            Show valid files too
          </label>
          <div className="event-filter-buttons">
            <button
              type="submit"
              className="primary"
              disabled={!secure || check.status === 'checking'}
              data-testid="verify-run"
            >
              {check.status === 'checking' ? 'Checking…' : 'Verify'}
            </button>
          </div>
        </form>
      )}
      {trail && !trail.validation && (
        <p className="notice">
          This trail does not have log file validation on: it delivers no digests to check.
        </p>
      )}
      {check.status === 'failed' && (
        <p className={check.denied ? 'error denied' : 'error'} role="alert" data-testid="verify-error">
          {check.message}
          {check.denied &&
            ' Verifying needs cloudtrail:ListPublicKeys, and s3:ListBucket and s3:GetObject on the bucket.'}
        </p>
      )}
      {check.status === 'done' && (
        <>
          <p className={check.ok ? 'notice' : 'error'} role="status" data-testid="verify-summary">
            {check.summary}
          </p>
          {shown.length > 0 && (
            <div className="table-frame event-frame">
              <table className="result-table event-table" data-testid="verify-table">
                <caption className="visually-hidden">What the check found of each file.</caption>
                <thead>
                  <tr>
                    <th scope="col">File</th>
                    <th scope="col">Object</th>
                    <th scope="col">Finding</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((line) => (
                    <tr
                      key={`${line.kind} ${line.url}`}
                      className={line.ok ? 'event-row' : 'event-row event-denied'}
                      data-testid="verify-row"
                      data-object={line.url}
                      data-finding={line.status}
                    >
                      <td>{line.kind}</td>
                      <td className="event-resources" title={line.url}>
                        {line.url}
                      </td>
                      <td>{line.status}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p className="fine-print">
            The same check as <code>seawall audit verify</code>: each digest's signature and its link to the
            one before it, and each log file's hash. A log file in a period the digests cover that none lists
            is called inserted.
          </p>
        </>
      )}
    </section>
  );
}
