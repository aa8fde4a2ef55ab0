import { useState } from 'react';
import { SignInPage } from './components/sign-in-page.js';
import { Workspace } from './components/workspace.js';
import { clearSession, loadSession, type Session, saveSession } from './session.js';

export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  function signOut(why: string | undefined) {
    clearSession();
    setNotice(why);
    setSession(undefined);
  }

  if (!session) {
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(signedIn) => {
          saveSession(signedIn);
          setNotice(undefined);
          setSession(signedIn);
        }}
      />
    );
  }
  return (
    <Workspace
      session={session}
      onSignOut={() => signOut(undefined)}
      onExpired={() => signOut('Your session has expired. Sign in again.')}
    />
  );
}
