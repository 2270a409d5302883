// Types for what Vite handles in the site's client code: stylesheets, `?worker` imports, import.meta.env.
/// <reference types="astro/client" />
