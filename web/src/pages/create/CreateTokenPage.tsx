/**
 * Create Access Token: the product's four steps (Setup, Contact Information, API Scopes, Review). Setup also
 * offers a canary token, a decoy that never works and alerts its contacts when used: it has no scopes, so its
 * wizard skips that step. Nothing is sent until Create; then the new token's credentials page opens with the
 * Auth Token shown once.
 */
// Styles of a Mantine component that only code loaded on demand renders travel with that code (see mantine.css).
import '@mantine/core/styles/Stepper.css';
import '@mantine/core/styles/RadioCard.css';
import '@mantine/core/styles/RadioIndicator.css';
import '@mantine/core/styles/Radio.css';
import { Alert, Button, Divider, Group, Paper, Radio, Stack, Stepper, Text, Title } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { isApiError } from '../../api/client.js';
import { useCreateToken } from '../../api/mutations.js';
import { useCatalog, useMe } from '../../api/queries.js';
import { useCurrentAccount } from '../../auth/account.js';
import { ApiBreadcrumbs } from '../../components/ApiBreadcrumbs.js';
import { LoadError, SectionLoader } from '../../components/Feedback.js';
import { useShowNewSecret } from '../../components/NewSecretDialog.js';
import { ContactFields } from '../../components/tokenForm/ContactFields.js';
import { canaryFromDraft, emptyDraft, settingsFromDraft, type TokenDraft } from '../../components/tokenForm/draft.js';
import { afterNextPaint } from '../../lib/afterPaint.js';
import { fieldErrorsOf, type FieldErrors } from '../../lib/fieldErrors.js';
import { LazyRestrictionsFields, preloadRestrictionsFields } from '../../components/tokenForm/LazyRestrictionsFields.js';
import { ScopePicker } from '../../components/tokenForm/ScopePicker.js';
import { SetupFields } from '../../components/tokenForm/SetupFields.js';
import { notifySuccess } from '../../lib/notify.js';
import { routes } from '../../lib/routes.js';
import { categoriesInVersion, latestVersion } from '../../lib/scopes.js';
import { lacksScopes, NO_SCOPES_REASON } from '../../lib/validation.js';
import { ReviewStep } from './ReviewStep.js';

type Kind = 'scoped' | 'canary';
type StepName = 'Setup' | 'Contact Information' | 'API Scopes' | 'Review';
const STEPS_OF_KIND: Record<Kind, readonly StepName[]> = {
  scoped: ['Setup', 'Contact Information', 'API Scopes', 'Review'],
  canary: ['Setup', 'Contact Information', 'Review'],
};
const STEP_PROBLEM_ID = 'wizard-step-problem';

/** Which step shows a field the server may complain about, so a rejected Create returns the user to it. */
const STEP_OF_FIELD: Record<string, StepName> = {
  name: 'Setup',
  description: 'Setup',
  apiVersion: 'Setup',
  primaryContactUserId: 'Contact Information',
  developerEmails: 'Contact Information',
  scopes: 'API Scopes',
  expiresAt: 'API Scopes',
  notBefore: 'API Scopes',
  allowedCidrs: 'API Scopes',
  rateLimit: 'API Scopes',
  'rateLimit.limit': 'API Scopes',
  'rateLimit.windowSeconds': 'API Scopes',
};

/** Checks that spare a round trip; the server checks everything again. */
function checkStep(step: StepName, draft: TokenDraft): FieldErrors {
  if (step === 'Setup' && !draft.name.trim()) return { name: 'is required' };
  if (step === 'API Scopes') {
    if (lacksScopes(draft.scopes)) return { scopes: `Select at least one scope: ${NO_SCOPES_REASON}.` };
    const limit = Number(draft.rateLimit?.limit);
    if (draft.rateLimit && (!Number.isInteger(limit) || limit < 1)) return { 'rateLimit.limit': 'must be a whole number of at least 1' };
  }
  return {};
}

export default function CreateTokenPage() {
  const { account } = useCurrentAccount();
  const catalog = useCatalog();
  const me = useMe();
  if (catalog.isPending || me.isPending) return <SectionLoader label="Preparing the form" />;
  if (catalog.isError) return <LoadError error={catalog.error} onRetry={() => void catalog.refetch()} />;
  if (!me.data) return null;
  return <CreateTokenWizard accountId={account.id} catalog={catalog.data} initial={emptyDraft(latestVersion(catalog.data), me.data.user.id)} />;
}

function CreateTokenWizard({ accountId, catalog, initial }: { accountId: string; catalog: NonNullable<ReturnType<typeof useCatalog>['data']>; initial: TokenDraft }) {
  const [step, setStep] = useState(0);
  const [kind, setKind] = useState<Kind>('scoped');
  const [draft, setDraft] = useState(initial);
  const steps = STEPS_OF_KIND[kind];
  const current = steps[step]!;
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const create = useCreateToken(accountId);
  const showNewSecret = useShowNewSecret();
  const navigate = useNavigate();
  const serverErrors = useMemo(() => fieldErrorsOf(create.error), [create.error]);
  const errors = { ...serverErrors, ...clientErrors };

  const change = (changes: Partial<TokenDraft>) => {
    setDraft((current) => {
      const next = { ...current, ...changes };
      // A different version may not have every chosen endpoint: keep only the scopes that exist there.
      if (changes.apiVersion !== undefined && changes.apiVersion !== current.apiVersion) {
        const available = new Set(categoriesInVersion(catalog, changes.apiVersion).flatMap((c) => c.scopes.map((s) => s.id)));
        next.scopes = current.scopes.filter((id) => available.has(id));
      }
      return next;
    });
    setClientErrors({});
    // Once the user edits, the server's earlier verdict no longer describes the form.
    if (create.isError) create.reset();
  };

  const next = () => {
    const problems = checkStep(current, draft);
    setClientErrors(problems);
    if (Object.keys(problems).length === 0) {
      // Step 3's controls download as the user leaves the first step, so they are there when the user reaches
      // them, while the wizard's first screen loads and settles without them.
      if (step === 0) preloadRestrictionsFields();
      setStep((s) => Math.min(s + 1, steps.length - 1));
    }
    // The user is at the Next button, which may be far below the field at fault: say it there, and move focus to it.
    else requestAnimationFrame(() => document.getElementById(STEP_PROBLEM_ID)?.focus());
  };

  const submit = () =>
    create.mutate(kind === 'canary' ? canaryFromDraft(draft) : settingsFromDraft(draft), {
      onSuccess: (result) => {
        if (kind === 'canary') notifySuccess(`Plant “${result.token.name}” where a thief would find it: any use alerts its contacts.`, 'Canary token created');
        else notifySuccess(`“${result.token.name}” is ready to use.`, 'Access token created');
        showNewSecret({ ...result, reason: 'created' });
        navigate(routes.token(accountId, result.token.id, 'credentials'), { replace: true });
      },
      onError: (error) => {
        if (!isApiError(error) || error.status !== 400) return;
        const named = error.fieldErrors.map((f) => STEP_OF_FIELD[f.field] ?? STEP_OF_FIELD[f.field.split('.')[0]!]);
        const at = named.map((name) => (name === undefined ? -1 : steps.indexOf(name))).filter((s) => s >= 0);
        if (at.length > 0) setStep(Math.min(...at));
      },
    });

  // Move focus to the step's heading so keyboard and screen-reader users know where they are, once it is drawn.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new step is what moves the focus.
  useEffect(() => afterNextPaint(() => document.getElementById('wizard-step-title')?.focus()), [step]);

  const rejected = isApiError(create.error) && create.error.status === 400 ? create.error : null;
  const stepProblem = clientErrors.scopes ?? (Object.keys(clientErrors).length > 0 ? 'Fix the highlighted field above, then choose Next again.' : undefined);
  return (
    <Stack gap="lg" maw={960}>
      <ApiBreadcrumbs accountId={accountId} current="Create Access Token" />
      <Title order={1}>Create Access Token</Title>
      <Paper withBorder p="xl" bg="white">
        <Stepper active={step} onStepClick={(s) => s < step && setStep(s)} allowNextStepsSelect={false} size="sm" mb="xl">
          {steps.map((label) => (
            <Stepper.Step key={label} label={label} />
          ))}
        </Stepper>
        <Stack gap="md">
          <Title order={2} size="h3" id="wizard-step-title" tabIndex={-1} style={{ outline: 'none' }}>
            {step + 1}. {current}
          </Title>
          {rejected && (
            <Alert color="red" variant="light" role="alert" title="The token was not created">
              {rejected.message} {rejected.fieldErrors.length > 0 && 'Fix the highlighted fields and try again.'}
            </Alert>
          )}
          {current === 'Setup' && (
            <Stack gap="lg">
              <KindChoice kind={kind} onChange={setKind} />
              <SetupFields draft={draft} onChange={change} errors={errors} versions={kind === 'scoped' ? catalog.versions : undefined} />
            </Stack>
          )}
          {current === 'Contact Information' && (
            <Stack gap="sm">
              {kind === 'canary' && (
                <Text size="sm" c="dimmed">
                  The primary contact and these developer e-mails are the people alerted when someone uses the canary.
                </Text>
              )}
              <ContactFields accountId={accountId} draft={draft} onChange={change} errors={errors} />
            </Stack>
          )}
          {current === 'API Scopes' && (
            <Stack gap="xl">
              {/* An empty selection is reported beside Next (stepProblem); the picker shows the server's verdict. */}
              <ScopePicker catalog={catalog} version={draft.apiVersion} selected={draft.scopes} onChange={(scopes) => change({ scopes })} error={serverErrors.scopes} />
              <Divider label="Optional controls" labelPosition="left" />
              <LazyRestrictionsFields draft={draft} onChange={change} errors={errors} />
            </Stack>
          )}
          {current === 'Review' && <ReviewStep accountId={accountId} catalog={catalog} draft={draft} canary={kind === 'canary'} onEdit={(name) => setStep(steps.indexOf(name))} />}
        </Stack>
        {stepProblem && (
          <Alert id={STEP_PROBLEM_ID} tabIndex={-1} color="red" variant="light" role="alert" mt="xl" title="This step is not complete">
            {stepProblem}
          </Alert>
        )}
        <Group justify="space-between" mt="xl">
          <Button variant="subtle" color="gray" component={Link} to={routes.apiPage(accountId)}>
            Cancel
          </Button>
          <Group gap="sm">
            {step > 0 && (
              <Button variant="default" onClick={() => setStep((s) => s - 1)} disabled={create.isPending}>
                Back
              </Button>
            )}
            {step < steps.length - 1 ? (
              <Button onClick={next}>Next</Button>
            ) : (
              <Button onClick={submit} loading={create.isPending}>
                Create
              </Button>
            )}
          </Group>
        </Group>
      </Paper>
    </Stack>
  );
}

/** The first choice of the wizard: a working token, or a canary (a decoy whose every use is an alarm). */
function KindChoice({ kind, onChange }: { kind: Kind; onChange: (kind: Kind) => void }) {
  return (
    <Radio.Group label="Kind of token" value={kind} onChange={(value) => onChange(value as Kind)}>
      <Stack gap="xs" mt="xs">
        <Radio.Card value="scoped" p="md" radius="md" withBorder aria-label="Access token">
          <Group wrap="nowrap" align="flex-start">
            <Radio.Indicator />
            <div>
              <Text fw={600}>Access token</Text>
              <Text size="sm" c="dimmed">
                Calls the API with the scopes you choose.
              </Text>
            </div>
          </Group>
        </Radio.Card>
        <Radio.Card value="canary" p="md" radius="md" withBorder aria-label="Canary token">
          <Group wrap="nowrap" align="flex-start">
            <Radio.Indicator />
            <div>
              <Text fw={600}>Canary token</Text>
              <Text size="sm" c="dimmed">
                Never works; any use alerts the contacts. Plant it where a thief would look (a repository, a wiki, a CI secret) and learn when it is found.
              </Text>
            </div>
          </Group>
        </Radio.Card>
      </Stack>
    </Radio.Group>
  );
}
