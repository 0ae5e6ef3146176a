// Placeholder for the two-factor section of the Security page: the 2FA
// work (DESIGN §8.3) replaces this module with one that draws it.
// security.js imports it and calls mountTwoFactor(container).
export function mountTwoFactor(container) {
  container.replaceChildren();
}
