/** At most this many of the attribute names the IdP sent are named in the sign-in log. */
export const SENT_ATTRIBUTE_NAMES_SHOWN = 20;
/** Each attribute name in the sign-in log is cut to this many characters (an ellipsis marks the cut). */
export const ATTRIBUTE_NAME_SHOWN_LENGTH = 100;

/** One line, at most ATTRIBUTE_NAME_SHOWN_LENGTH characters (code points, so no emoji is split). */
function shownName(name: string): string {
  const chars = Array.from(name.replace(/[\p{Cc}\p{Cf}]+/gu, ' '));
  return chars.length <= ATTRIBUTE_NAME_SHOWN_LENGTH ? chars.join('') : `${chars.slice(0, ATTRIBUTE_NAME_SHOWN_LENGTH - 1).join('')}…`;
}

/**
 * What the sign-in log says when a required attribute is missing: which one, under which IdP
 * name the customer's attribute mapping expected it (`mappedFrom`, "NameID" for the NameID), and
 * the names the IdP did send, so that an admin can see at once that, say, "mail" came where
 * "email" was wanted. Attribute NAMES only: values are the user's data and never reach the log.
 */
export function describeMissingAttribute(missing: string, sentNames: readonly string[], mappedFrom?: string): string {
  const idpName = mappedFrom ?? missing;
  const mapping = mappedFrom === undefined ? '' : ` (mapped from the IdP's "${shownName(mappedFrom)}")`;
  const first = `Required attribute "${shownName(missing)}"${mapping} was ${sentNames.includes(idpName) ? 'sent without a value' : 'not sent'}.`;
  if (sentNames.length === 0) return `${first} The identity provider sent no attributes.`;
  const listed = sentNames.slice(0, SENT_ATTRIBUTE_NAMES_SHOWN).map((n) => `"${shownName(n)}"`).join(', ');
  const more = sentNames.length > SENT_ATTRIBUTE_NAMES_SHOWN ? ` and ${sentNames.length - SENT_ATTRIBUTE_NAMES_SHOWN} more` : '';
  return `${first} The identity provider sent ${sentNames.length === 1 ? '1 attribute' : `${sentNames.length} attributes`}: ${listed}${more}.`;
}
