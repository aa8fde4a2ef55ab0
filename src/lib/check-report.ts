/**
 * Where the offline check (`seawall check`) says what it found, one finding at a time: each domain checks what
 * it keeps and reports here, so the same checks can run at start-up or on a backup with another report.
 *
 * A subject names exactly what a finding is about (`object lake/raw/a.csv version 3f2a…`, `KMS key 1234…`,
 * `metadata.db`) and never holds a secret: no key, no plaintext.
 */
export interface CheckReport {
  /** Something is wrong: damaged, missing or inconsistent. */
  problem(subject: string, detail: string): void;
  /** Worth knowing but not damage: what could not be checked, and why; a key pending deletion. */
  note(subject: string, detail: string): void;
  /** One item checked and found right, counted under `kind` (`object version`, `KMS key material`…). */
  ok(kind: string, subject: string): void;
}
