// Owns: the one place that binds htm to Preact, so every other module imports `html` and the
// hooks from here and never from the vendored files directly.
import { h, render } from '../vendor/preact/preact.module.js';
import { useState, useEffect, useRef, useMemo, useCallback } from '../vendor/preact/hooks.module.js';
import htm from '../vendor/htm/htm.module.js';

export const html = htm.bind(h);
export { render, useState, useEffect, useRef, useMemo, useCallback };
