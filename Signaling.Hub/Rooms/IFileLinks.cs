using Signaling.Contracts.Rooms;

namespace Signaling.Hub.Rooms;

/// <summary>
/// Turns a stored file into what members are shown: its <see cref="SharedFile.Url"/> becomes a
/// download link valid for a while. Made each time a member is described, since a stored link
/// would have expired by the time someone reads it. The files feature provides it.
/// </summary>
public interface IFileLinks
{
    SharedFile Link(SharedFile file);
}
