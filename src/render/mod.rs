//! Renderers: terminal, JSON, Markdown, HTML, JUnit and charts. They read the report; they never compute.
