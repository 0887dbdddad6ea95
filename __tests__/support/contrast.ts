// How far a colour stands out from its background, as WCAG measures it: the report's chart colours
// are held to 3:1, the figure for graphics.

/** [r, g, b, alpha], r/g/b 0–255, alpha 0–1. */
export type Rgba = [number, number, number, number]

/** `#2f81f7` as Rgba. */
export function hexColour(hex: string): Rgba {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))
  return [r, g, b, 1]
}

/** WCAG's contrast ratio of two colours (1 to 21); graphics need 3 to be told apart from their background. */
export function contrast(a: Rgba, b: Rgba): number {
  const luminance = ([r, g, bl]: Rgba): number => {
    const [R, G, B] = [r, g, bl].map((c) => c / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
    return 0.2126 * R + 0.7152 * G + 0.0722 * B
  }
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (hi + 0.05) / (lo + 0.05)
}
