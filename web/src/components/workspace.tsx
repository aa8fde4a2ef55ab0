import { useEffect, useState } from 'react';
import { callerArn, createClients } from '../aws/clients.js';
import { type Session, sessionRemainingMs } from '../session.js';
import { useCatalog } from '../use-catalog.js';
import { Desk } from './desk.js';

type Caller = { status: 'asking' } | { status: 'known'; arn: string } | { status: 'failed' };

/** Who is signed in: the caller's ARN from sts:GetCallerIdentity, which every principal may call. */
function useCallerArn(clients: ReturnType<typeof createClients>): Caller {
  const [arn, setArn] = useState<Caller>({ status: 'asking' });
  useEffect(() => {
    let live = true;
    callerArn(clients.sts).then(
      (found) => live && setArn({ status: 'known', arn: found }),
      () => live && setArn({ status: 'failed' }),
    );
    return () => {
      live = false;
    };
  }, [clients]);
  return arn;
}

/** Signs the tab out when temporary keys expire (timers past ~24 days overflow, so those are not set). */
function useExpiry(session: Session, onExpired: () => void): void {
  useEffect(() => {
    const remaining = sessionRemainingMs(session);
    if (remaining > 2 ** 31 - 1) return;
    const timer = setTimeout(onExpired, Math.max(0, remaining));
    return () => clearTimeout(timer);
  }, [session, onExpired]);
}

export function Workspace({
  session,
  onSignOut,
  onExpired,
}: {
  session: Session;
  onSignOut: () => void;
  onExpired: () => void;
}) {
  // Clients hold no sockets in the browser (fetch), so they are simply dropped with the session.
  const [clients] = useState(() => createClients(session));
  const caller = useCallerArn(clients);
  useExpiry(session, onExpired);
  const catalog = useCatalog(clients.glue);
  const arn = caller.status === 'known' ? caller.arn : undefined;
  // Tabs are kept per principal; if STS cannot say who this is, per access key.
  const owner =
    caller.status === 'known' ? caller.arn : caller.status === 'failed' ? session.accessKeyId : undefined;

  return (
    <div className="workspace">
      <header className="top-bar">
        <span className="brand">
          <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" width={22} height={22} />
          Seawall
        </span>
        <span className="spacer" />
        <span className="who" data-testid="signed-in-as" data-arn={arn ?? ''} title={session.accessKeyId}>
          {arn ?? '…'} · {session.accessKeyId} · {session.region}
        </span>
        <button type="button" onClick={onSignOut} data-testid="sign-out-button">
          Sign out
        </button>
      </header>
      {owner ? (
        <Desk key={owner} owner={owner} clients={clients} catalog={catalog} />
      ) : (
        <main className="main">
          <p className="muted">Loading…</p>
        </main>
      )}
    </div>
  );
}
