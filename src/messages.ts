/**
 * The texts this action sends, by language. Either one set built from the message inputs, or a
 * `messages-file` of templates per language (see loadMessageCatalog). Pure apart from reading the
 * file, which happens once, before any request.
 */

export interface MessageTemplates {
  followUp: string
  /** '' = the last reminder uses followUp */
  finalFollowUp: string
  /** '' = close without a message */
  close: string
}

export interface MessageCatalog {
  /** where the texts come from, for the summary: 'inputs' or the file's path */
  source: string
  /** the language used when a ticket's language has no entry, or none was detected */
  defaultLanguage: string
  /** lower-cased language tag -> templates */
  byLanguage: Record<string, MessageTemplates>
}

/** The language key of the message inputs: they are one set for every ticket. */
export const INPUTS_LANGUAGE = 'default'

export function catalogFromInputs(texts: {
  followUpMessage: string
  finalFollowUpMessage: string
  closeMessage: string
}): MessageCatalog {
  return {
    source: 'inputs',
    defaultLanguage: INPUTS_LANGUAGE,
    byLanguage: {
      [INPUTS_LANGUAGE]: {
        followUp: texts.followUpMessage,
        finalFollowUp: texts.finalFollowUpMessage,
        close: texts.closeMessage
      }
    }
  }
}

/**
 * The templates for a ticket's language: the exact tag, then its primary subtag (`fr-CA` -> `fr`),
 * then the default. `language` is what was chosen, for the report.
 */
export function templatesFor(
  catalog: MessageCatalog,
  ticketLanguage: unknown
): { language: string; templates: MessageTemplates } {
  const tag = typeof ticketLanguage === 'string' ? ticketLanguage.trim().toLowerCase() : ''
  const tried = tag ? [tag, tag.split(/[-_]/)[0]!] : []
  for (const language of tried) {
    const templates = Object.hasOwn(catalog.byLanguage, language)
      ? catalog.byLanguage[language]
      : undefined
    if (templates) return { language, templates }
  }
  return {
    language: catalog.defaultLanguage,
    templates: catalog.byLanguage[catalog.defaultLanguage]!
  }
}

/** Every template of every language, for recognising this action's own messages by their text. */
export function everyTemplate(catalog: MessageCatalog): string[] {
  return Object.values(catalog.byLanguage).flatMap(t =>
    [t.followUp, t.finalFollowUp, t.close].filter(text => text !== '')
  )
}
