namespace Entrance.Cli.Output;

public enum OutputFormat
{
    /// <summary>A Spectre.Console table, for people at a terminal.</summary>
    Table,

    /// <summary>JSON, for programs.</summary>
    Json,

    /// <summary>Plain lines (tab-separated for rows), for grep, awk and CI logs.</summary>
    Plain,
}
