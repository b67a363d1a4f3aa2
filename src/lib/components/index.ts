// Shared UI building blocks (presentation only; no server imports).
export { default as Alert } from './Alert.svelte';
export { default as Badge } from './Badge.svelte';
export { default as Button } from './Button.svelte';
export { default as Card } from './Card.svelte';
export { default as Checkbox } from './Checkbox.svelte';
export { default as SelectField } from './SelectField.svelte';
export { default as SessionsCard } from './SessionsCard.svelte';
export { default as TextField } from './TextField.svelte';
export type { BadgeTone } from './Badge.svelte';
export type { SelectOption } from './SelectField.svelte';
