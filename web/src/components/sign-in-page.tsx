import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { callerArn, createClients, destroyClients, errorMessage } from '../aws/clients.js';
import { fetchServerRegion, type Session, signInWithPassword } from '../session.js';

const FALLBACK_REGION = 'us-east-1';

type Mode = 'user' | 'key';

function Field(props: {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  type?: 'password';
  autoComplete?: string;
  required?: boolean;
}) {
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        spellCheck={false}
        required={props.required ?? true}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        data-testid={props.name}
      />
    </label>
  );
}

function Tabs({ mode, onChange }: { mode: Mode; onChange: (mode: Mode) => void }) {
  const tab = (value: Mode, label: string): ReactNode => (
    <button
      type="button"
      role="tab"
      aria-selected={mode === value}
      onClick={() => onChange(value)}
      data-testid={`sign-in-tab-${value}`}
    >
      {label}
    </button>
  );
  return (
    <div className="sign-in-tabs" role="tablist">
      {tab('user', 'IAM user')}
      {tab('key', 'Access key')}
    </div>
  );
}

/**
 * The two ways in: an IAM user's console password (account id or alias, user name, password; and a new
 * password when the old one must be changed), answered with temporary keys; or an access key, as scripts use.
 */
export function SignInPage(props: { onSignedIn: (session: Session) => void; notice?: string | undefined }) {
  const [mode, setMode] = useState<Mode>('user');
  const [account, setAccount] = useState('');
  const [userName, setUserName] = useState('');
  const [password, setPassword] = useState('');
  const [resetting, setResetting] = useState(false);
  const [newPassword, setNewPassword] = useState('');
  const [confirmPassword, setConfirmPassword] = useState('');
  const [accessKeyId, setAccessKeyId] = useState('');
  const [secretAccessKey, setSecretAccessKey] = useState('');
  const [region, setRegion] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const regionTouched = useRef(false);
  /** The server's region as asked when the page opened: a sign-in sent before it is known waits for it. */
  const serverRegion = useRef<Promise<string | undefined>>(Promise.resolve(undefined));

  useEffect(() => {
    let live = true;
    serverRegion.current = fetchServerRegion();
    serverRegion.current.then((found) => {
      if (live && !regionTouched.current) setRegion(found ?? FALLBACK_REGION);
    });
    return () => {
      live = false;
    };
  }, []);

  async function signInAsUser(chosenRegion: string) {
    if (resetting && newPassword !== confirmPassword) {
      setError('The new passwords do not match.');
      return;
    }
    const result = await signInWithPassword(
      { account: account.trim(), userName: userName.trim(), password, ...(resetting ? { newPassword } : {}) },
      chosenRegion,
    );
    if (result.outcome === 'signedIn') {
      props.onSignedIn(result.session);
      return;
    }
    if (result.outcome === 'newPasswordRequired') setResetting(true);
    else setError(result.message);
  }

  async function signInWithKey(chosenRegion: string) {
    const session: Session = {
      accessKeyId: accessKeyId.trim(),
      secretAccessKey: secretAccessKey.trim(),
      region: chosenRegion,
    };
    const clients = createClients(session);
    try {
      // Every principal may ask who it is, so this checks the keys whatever their policies allow.
      await callerArn(clients.sts);
      props.onSignedIn(session);
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      destroyClients(clients);
    }
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      // Left empty, the region is the server's, even when Sign in came before the page heard which that is (a
      // session for another region would sign every later request wrongly).
      const chosenRegion =
        region.trim() || (regionTouched.current ? undefined : await serverRegion.current) || FALLBACK_REGION;
      await (mode === 'user' ? signInAsUser(chosenRegion) : signInWithKey(chosenRegion));
    } finally {
      setBusy(false);
    }
  }

  function switchMode(next: Mode) {
    setMode(next);
    setError(undefined);
    setResetting(false);
  }

  return (
    <main className="sign-in">
      <form className="sign-in-card" onSubmit={submit} data-testid="sign-in-form">
        <h1 className="brand">
          <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" width={28} height={28} />
          Seawall
        </h1>
        {props.notice && (
          <p className="notice" data-testid="sign-in-notice">
            {props.notice}
          </p>
        )}
        <Tabs mode={mode} onChange={switchMode} />
        {mode === 'user' && !resetting && (
          <>
            <p className="muted">Sign in as an IAM user with your console password.</p>
            <Field label="Account ID or alias" name="account" value={account} onChange={setAccount} />
            <Field
              label="User name"
              name="user-name"
              value={userName}
              onChange={setUserName}
              autoComplete="username"
            />
            <Field
              label="Password"
              name="password"
              type="password"
              value={password}
              onChange={setPassword}
              autoComplete="current-password"
            />
          </>
        )}
        {mode === 'user' && resetting && (
          <>
            <p className="notice" data-testid="password-reset-required">
              Your password must be changed before you sign in. Choose a new one: 8 characters or more, with
              at least three of upper case, lower case, digits and symbols.
            </p>
            <Field
              label="New password"
              name="new-password"
              type="password"
              value={newPassword}
              onChange={setNewPassword}
              autoComplete="new-password"
            />
            <Field
              label="Confirm new password"
              name="confirm-password"
              type="password"
              value={confirmPassword}
              onChange={setConfirmPassword}
              autoComplete="new-password"
            />
          </>
        )}
        {mode === 'key' && (
          <>
            <p className="muted">Sign in with an access key, such as the root user's.</p>
            <Field label="Access key ID" name="access-key-id" value={accessKeyId} onChange={setAccessKeyId} />
            <Field
              label="Secret access key"
              name="secret-access-key"
              type="password"
              value={secretAccessKey}
              onChange={setSecretAccessKey}
              autoComplete="current-password"
            />
          </>
        )}
        <Field
          label="Region"
          name="region"
          required={false}
          value={region}
          onChange={(value) => {
            regionTouched.current = true;
            setRegion(value);
          }}
        />
        {error && (
          <p className="error" role="alert" data-testid="sign-in-error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy} data-testid="sign-in-button">
          {busy ? 'Signing in…' : resetting ? 'Change password and sign in' : 'Sign in'}
        </button>
        <p className="fine-print">
          Your keys stay in this browser tab (session storage) and are used only to sign requests to this
          server. Closing the tab or signing out forgets them; a password sign-in lasts 12 hours.
        </p>
      </form>
    </main>
  );
}
