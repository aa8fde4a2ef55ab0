import { type FormEvent, useEffect, useRef, useState } from 'react';
import { checkCredentials } from '../aws/catalog.js';
import { createClients, destroyClients, errorMessage } from '../aws/clients.js';
import { fetchServerRegion, type Session } from '../session.js';

const FALLBACK_REGION = 'us-east-1';

export function SignInPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [accessKeyId, setAccessKeyId] = useState('');
  const [secretAccessKey, setSecretAccessKey] = useState('');
  const [region, setRegion] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const regionTouched = useRef(false);

  useEffect(() => {
    let live = true;
    fetchServerRegion().then((serverRegion) => {
      if (live && !regionTouched.current) setRegion(serverRegion ?? FALLBACK_REGION);
    });
    return () => {
      live = false;
    };
  }, []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const session: Session = {
      accessKeyId: accessKeyId.trim(),
      secretAccessKey: secretAccessKey.trim(),
      region: region.trim() || FALLBACK_REGION,
    };
    setBusy(true);
    setError(undefined);
    const clients = createClients(session);
    try {
      await checkCredentials(clients.glue);
      onSignedIn(session);
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    } finally {
      destroyClients(clients);
    }
  }

  return (
    <main className="sign-in">
      <form className="sign-in-card" onSubmit={submit} data-testid="sign-in-form">
        <h1 className="brand">
          <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" width={28} height={28} />
          Seawall
        </h1>
        <p className="muted">Sign in with your access key to browse the data catalog and run SQL.</p>
        <label>
          Access key ID
          <input
            name="accessKeyId"
            autoComplete="username"
            spellCheck={false}
            required
            value={accessKeyId}
            onChange={(e) => setAccessKeyId(e.target.value)}
            data-testid="access-key-id"
          />
        </label>
        <label>
          Secret access key
          <input
            name="secretAccessKey"
            type="password"
            autoComplete="current-password"
            required
            value={secretAccessKey}
            onChange={(e) => setSecretAccessKey(e.target.value)}
            data-testid="secret-access-key"
          />
        </label>
        <label>
          Region
          <input
            name="region"
            spellCheck={false}
            value={region}
            onChange={(e) => {
              regionTouched.current = true;
              setRegion(e.target.value);
            }}
            data-testid="region"
          />
        </label>
        {error && (
          <p className="error" role="alert" data-testid="sign-in-error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy} data-testid="sign-in-button">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="fine-print">
          Your keys stay in this browser tab (session storage) and are used only to sign requests to this
          server. Closing the tab or signing out forgets them.
        </p>
      </form>
    </main>
  );
}
