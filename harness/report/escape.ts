// Escaping for the report writers: XML/HTML/SVG text and attributes, Markdown text and table cells.

// C0 controls XML 1.0 cannot carry even as character references (tab, LF and CR are fine), and DEL.
const controlChar = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
// U+FFFE, U+FFFF and unpaired surrogates are not XML characters either.
const nonCharacter = /[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// Replace characters no XML parser accepts with visible stand-ins (ESC becomes ␛, not a dropped byte).
export function visibleControls(text: string): string {
	return text
		.replace(controlChar, c => String.fromCharCode(c === '\u007F' ? 0x2421 : 0x2400 + c.charCodeAt(0)))
		.replace(nonCharacter, '\uFFFD');
}

// Escape text for XML or HTML element content and quoted attribute values.
export function escapeXml(text: string): string {
	return visibleControls(text)
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}

// Escape an attribute value so line breaks survive attribute-value normalisation.
export function escapeXmlAttribute(text: string): string {
	return escapeXml(text).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

// Escape Markdown prose: no raw HTML, no accidental entities; emphasis characters are left readable.
export function escapeMarkdownText(text: string): string {
	return visibleControls(text)
		.replace(/\\/g, '\\\\')
		.replace(/&(?=#?[A-Za-z0-9]+;)/g, '&amp;')
		.replace(/</g, '&lt;');
}

// Escape a Markdown table cell: pipes would split the cell and line breaks would end the row.
export function escapeMarkdownCell(text: string): string {
	const escaped = escapeMarkdownText(text).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
	return escaped.trim() === '' ? ' ' : escaped;
}
