/** `config.rules`: parameter validation of the resolved variables. */
import type { ResolvedVar } from './plan-types.js';
import type { RuleInput } from './schema.js';

/** One rule violation: which variable, and what is wrong (no value of a secret: rules see only vars). */
export interface RuleViolation {
  name: string;
  /** Missing variables have no resolved value. */
  resolved?: ResolvedVar;
  message: string;
  rule: string;
}

/** Checks every rule against the variables. */
export function checkRules(
  rules: Record<string, RuleInput>,
  vars: Record<string, ResolvedVar>,
): RuleViolation[] {
  const out: RuleViolation[] = [];
  for (const [name, rule] of Object.entries(rules)) {
    // Own keys only: a rule for `toString` must not find Object.prototype's method.
    const resolved = Object.hasOwn(vars, name) ? vars[name] : undefined;
    const ruleText = describeRule(rule);
    if (resolved === undefined) {
      if (rule.required)
        out.push({ name, message: `required variable ${name} is not set`, rule: ruleText });
      continue;
    }
    const problem = violation(rule, resolved.value);
    if (problem !== undefined)
      out.push({
        name,
        resolved,
        message: `${name} = ${JSON.stringify(resolved.value)} ${problem}`,
        rule: ruleText,
      });
  }
  return out;
}

function violation(rule: RuleInput, value: string): string | undefined {
  const isInt = /^-?\d+$/.test(value.trim());
  const n = Number(value);
  if (rule.type === 'port' && !(isInt && n >= 1 && n <= 65535))
    return 'is not a port (an integer 1-65535)';
  if (rule.type === 'int' && !isInt) return 'is not an integer';
  if (rule.type === 'url' && !isUrl(value)) return 'is not a URL';
  if (rule.min !== undefined || rule.max !== undefined) {
    if (value.trim() === '' || Number.isNaN(n)) return 'is not a number';
    if (rule.min !== undefined && n < rule.min) return `is below the minimum ${rule.min}`;
    if (rule.max !== undefined && n > rule.max) return `is above the maximum ${rule.max}`;
  }
  if (rule.enum !== undefined && !rule.enum.includes(value)) {
    return `is not one of ${rule.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  }
  if (rule.pattern !== undefined && !new RegExp(rule.pattern).test(value))
    return `does not match /${rule.pattern}/`;
  return undefined;
}

function isUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** `{ type: port }`-like text of a rule, for messages. */
function describeRule(rule: RuleInput): string {
  const parts: string[] = [];
  if (rule.type !== undefined) parts.push(`type: ${rule.type}`);
  if (rule.min !== undefined) parts.push(`min: ${rule.min}`);
  if (rule.max !== undefined) parts.push(`max: ${rule.max}`);
  if (rule.enum !== undefined) parts.push(`enum: [${rule.enum.join(', ')}]`);
  if (rule.pattern !== undefined) parts.push(`pattern: ${JSON.stringify(rule.pattern)}`);
  if (rule.required) parts.push('required: true');
  return `{ ${parts.join(', ')} }`;
}
