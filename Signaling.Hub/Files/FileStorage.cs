using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Signaling.Hub.Rooms;

namespace Signaling.Hub.Files;

/// <summary>
/// Where uploads live on disk. Paths are built only from server-made names (a hash of the room
/// id, a random file id), never from anything the uploader chose, so no name can escape the folder.
/// </summary>
public sealed class FileStorage(IOptions<FileOptions> options, IHostEnvironment environment) : IRoomResources
{
    private string Root => Path.GetFullPath(Path.Combine(environment.ContentRootPath, options.Value.Directory));

    public string PathOf(string roomId, string fileId) => Path.Combine(Root, RoomFolder(roomId), fileId);

    public async Task WriteAsync(string roomId, string fileId, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var path = PathOf(roomId, fileId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, content.ToArray(), cancellationToken);
    }

    public void Delete(string roomId, string fileId) => File.Delete(PathOf(roomId, fileId));

    /// <summary>Files go with their room.</summary>
    public void Release(string roomId)
    {
        var folder = Path.Combine(Root, RoomFolder(roomId));
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string RoomFolder(string roomId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(roomId)))[..32];
}
