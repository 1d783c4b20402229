// The example, unchanged but for the connect string, which is args[0]: a client built
// against Debian's ZooKeeper jars creates, reads and deletes /test and prints its data.
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

public class HelloZooKeeper {
    public static void main(String[] args) throws Exception {
        ZooKeeper zk = new ZooKeeper(args[0], 3000, null);
        zk.create("/test", "test".getBytes(), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        System.out.println(new String(zk.getData("/test", false, null)));
        zk.delete("/test", -1);
        zk.close();
    }
}
