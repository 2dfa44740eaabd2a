/**
 * Every form in which the API key could show in a text: the key, `email:key`, and its base64 (the
 * Basic token), longest first so a longer form is never half-replaced by a shorter one. The
 * runner's mask hides whole values in the log only; these are taken out of any text before it is
 * cut to length or shown anywhere else (summary, audit file, terminal).
 */
export function secretForms(email: string, apiKey: string): string[] {
  const key = apiKey.trim()
  if (!key) return []
  const pair = `${email.trim()}:${key}`
  const token = Buffer.from(pair).toString('base64')
  return [`Basic ${token}`, token, pair, key].sort((a, b) => b.length - a.length)
}

export function redact(text: string, forms: readonly string[]): string {
  return forms.reduce((out, secret) => out.split(secret).join('***'), text)
}
