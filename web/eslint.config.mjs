// ESLint for the front end (`npm run lint`, part of `make check`): the recommended rules, browser
// globals; the pages' scripts are ES modules, the widget a classic script (partner sites load it
// with a plain <script src>).
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";

export default defineConfig([
  { ignores: ["node_modules/"] },
  js.configs.recommended,
  {
    files: ["static/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
    rules: {
      eqeqeq: "error",
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  { files: ["static/widget.js"], languageOptions: { sourceType: "script" } },
  { files: ["eslint.config.mjs"], languageOptions: { globals: globals.node } },
]);
