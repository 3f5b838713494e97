using System.ComponentModel.DataAnnotations;

namespace Signaling.Hub.Infrastructure;

/// <summary>Configuration section <c>Signaling:Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Signaling:Storage";

    /// <summary><c>Sqlite</c> (embedded, one process) or <c>Redis</c> (shared by many instances).</summary>
    [Required, RegularExpression("^(Sqlite|Redis)$", ErrorMessage = "Signaling:Storage:Provider must be 'Sqlite' or 'Redis'")]
    public string Provider { get; set; } = "Sqlite";

    public SqliteStorageOptions Sqlite { get; set; } = new();
}

public sealed class SqliteStorageOptions
{
    /// <summary>The database file; relative paths are relative to the content root.</summary>
    [Required(ErrorMessage = "Signaling:Storage:Sqlite:Path is required")]
    public string Path { get; set; } = "data/signaling.db";
}
