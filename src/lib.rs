//! tlslint: finds settings that weaken TLS in a repository.
//!
//! The pipeline, one module per stage: [`walk`] -> [`decode`] -> [`format`] ->
//! [`prefilter`] -> [`analyze`] (format analyzers producing [`facts`]) -> [`engine`]
//! (the shared [`rules`]) -> [`diagnostic`] findings -> [`report`]. [`scan`] wires them.

pub mod analyze;
pub mod apply;
pub mod baseline;
pub mod budget;
pub mod cli;
pub mod commands;
pub mod config;
pub mod context;
pub mod decode;
pub mod diagnostic;
pub mod docs;
pub mod engine;
pub mod facts;
pub mod fixes;
pub mod foreign;
pub mod format;
pub mod gitdiff;
pub mod ir;
pub mod isolate;
pub mod memory;
pub mod prefilter;
pub mod profile;
pub mod report;
pub mod rules;
pub mod safe_io;
pub mod scan;
pub mod source;
pub mod suggest;
pub mod suppress;
pub mod walk;
