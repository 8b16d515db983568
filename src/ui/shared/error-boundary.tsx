/** The root error boundary: a render bug shows one line instead of tearing the terminal down. */
import { Text } from 'ink';
import { Component } from 'react';
import type { ReactNode } from 'react';

interface State {
  error?: Error;
}

/** Catches render errors below it and shows them as a bug to report. */
export class ErrorBoundary extends Component<
  { children: ReactNode; onError?: (error: Error) => void },
  State
> {
  override state: State = {};

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error): void {
    this.props.onError?.(error);
  }

  override render(): ReactNode {
    if (this.state.error !== undefined) {
      return (
        <Text>
          stagecraft UI bug: {this.state.error.message} (the deployment keeps running; please report
          this)
        </Text>
      );
    }
    return this.props.children;
  }
}
