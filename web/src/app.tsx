import { useState } from 'react';
import { SignInPage } from './components/sign-in-page.js';
import { Workspace } from './components/workspace.js';
import { clearSession, loadSession, type Session, saveSession } from './session.js';

export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);

  if (!session) {
    return (
      <SignInPage
        onSignedIn={(signedIn) => {
          saveSession(signedIn);
          setSession(signedIn);
        }}
      />
    );
  }
  return (
    <Workspace
      session={session}
      onSignOut={() => {
        clearSession();
        setSession(undefined);
      }}
    />
  );
}
