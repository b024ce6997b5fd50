/**
 * The optional controls (expiry date picker, IP allowlist, rate limit) loaded on their own: the date picker and
 * the number input bring @mantine/dates, dayjs's calendar and react-number-format, most of the code of a token
 * form, which the first screen of the wizard and of a token's Overview does not show. The page paints without it,
 * and the code arrives as a task of its own instead of lengthening the page's first render.
 */
import { lazy, Suspense, type ComponentProps } from 'react';
import { SectionLoader } from '../Feedback.js';

const load = () => import('./RestrictionsFields.js').then((module) => ({ default: module.RestrictionsFields }));
const RestrictionsFieldsOnDemand = lazy(load);

/** Starts downloading the controls ahead of the step that shows them (idempotent: the browser caches the module). */
export function preloadRestrictionsFields(): void {
  void load();
}

export function LazyRestrictionsFields(props: ComponentProps<typeof RestrictionsFieldsOnDemand>) {
  return (
    <Suspense fallback={<SectionLoader label="Loading the optional controls" />}>
      <RestrictionsFieldsOnDemand {...props} />
    </Suspense>
  );
}
