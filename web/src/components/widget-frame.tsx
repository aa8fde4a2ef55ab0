import { Component, type ReactNode } from 'react';
import type { Failure } from '../aws/denial.js';
import type { Widget } from '../dashboards/body.js';

export type WidgetStatus = 'loading' | 'loaded' | 'empty' | 'failed';

/**
 * A widget's place on the dashboard's grid and its card: its title, and data attributes saying what it shows
 * (`data-state`) for which refresh (`data-generation`), so a page or a test can wait for an answer.
 */
export function WidgetFrame(props: {
  widget: Widget;
  title: string | undefined;
  status: WidgetStatus;
  generation: number;
  /** A text widget drawn on the page rather than on a card (CloudWatch's `background: transparent`). */
  transparent?: boolean;
  children: ReactNode;
}) {
  const { widget, title } = props;
  return (
    <section
      className={`dashboard-widget widget-${widget.type.replace(/[^a-z]/g, '')}${props.transparent ? ' transparent' : ''}`}
      // The grid place is set through the CSSOM (React's style), which the console's policy allows.
      style={{
        gridColumn: `${widget.x + 1} / span ${widget.width}`,
        gridRow: `${widget.y + 1} / span ${widget.height}`,
      }}
      aria-label={title ?? `${widget.type} widget`}
      aria-busy={props.status === 'loading'}
      data-testid="dashboard-widget"
      data-type={widget.type}
      data-title={title ?? ''}
      data-state={props.status}
      data-generation={props.generation}
    >
      {title !== undefined && <h3 className="widget-title">{title}</h3>}
      <div className="widget-body">{props.children}</div>
    </section>
  );
}

/** A failure in a widget's own words; a refusal by a policy says so. */
export function WidgetError({ failure }: { failure: Failure }) {
  return (
    <p
      className={failure.denied ? 'error denied widget-error' : 'error widget-error'}
      role="alert"
      data-testid="widget-error"
    >
      {failure.message}
    </p>
  );
}

export function WidgetEmpty({ children = 'No data for this range.' }: { children?: ReactNode }) {
  return (
    <p className="muted widget-empty" data-testid="widget-empty">
      {children}
    </p>
  );
}

interface BoundaryProps {
  widget: Widget;
  title: string;
  children: ReactNode;
}

/**
 * Keeps a widget that fails to render (a body shaped in a way nobody foresaw) to its own card: the rest of the
 * dashboard still draws. React catches render errors only in a class component.
 */
export class WidgetBoundary extends Component<BoundaryProps, { error: string | undefined }> {
  override state = { error: undefined as string | undefined };

  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error.message : String(error) };
  }

  override render() {
    if (this.state.error === undefined) return this.props.children;
    return (
      <WidgetFrame widget={this.props.widget} title={this.props.title} status="failed" generation={0}>
        <WidgetError
          failure={{ message: `This widget cannot be drawn: ${this.state.error}`, denied: false }}
        />
      </WidgetFrame>
    );
  }
}
